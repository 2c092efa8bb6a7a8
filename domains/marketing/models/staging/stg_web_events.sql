{#- Clickstream ingestion, one model on every engine. Databricks: a streaming table over the landing
    location; each refresh reads only the files it has not seen. DuckDB and Spark: an incremental model
    over the raw files; each build appends the events that arrived after the newest one already loaded
    (the feed's files are written in arrival order, `received_at`), and reloads the feed whole when it
    was reset (macros/incremental/append_arrivals.sql). -#}
{{ config(
    materialized='streaming_table' if target.type == 'databricks' else 'incremental',
    incremental_strategy='append',
    pre_hook="{{ empty_when_source_reset(source('clickstream', 'web_events'), 'received_at', 'event_id') }}",
) }}

with

source as (

    {% if target.type == 'databricks' %}
        -- depends_on: {{ source('clickstream', 'web_events') }}
        select * from stream read_files(
            '{{ env_var("MESH_CLICKSTREAM_LANDING", "/Volumes/" ~ domain_catalog("marketing") ~ "/landing/clickstream/web_events") }}',
            format => 'parquet'
        )
    {% else %}
        select * from {{ source('clickstream', 'web_events') }}
        {{ arrivals_after_newest_loaded('received_at') }}
    {% endif %}

),

final as (

    select
        ----------  ids
        event_id,
        visitor_cookie,
        cast(customer_id as bigint) as customer_id,

        ----------  event
        lower(trim(event_type)) as event_type,
        page_url,

        ----------  campaign tracking
        lower(trim(utm_source)) as utm_source,
        lower(trim(utm_medium)) as utm_medium,
        lower(trim(utm_campaign)) as utm_campaign,

        ----------  timestamps
        {{ parse_utc_timestamp('event_ts') }} as event_at,
        received_at

    from source

)

select * from final
