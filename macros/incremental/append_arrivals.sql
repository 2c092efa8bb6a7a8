{#- Incremental models that append what arrived after the newest row already loaded, and start over
    when their source was reset.

    Appending `where <watermark> > max(loaded <watermark>)` assumes the source only ever grows. When it
    is replaced instead (raw data regenerated at another scale or seed, a feed replayed or truncated),
    the rows loaded earlier no longer exist upstream and nothing ever removes them. So before each
    incremental run, `empty_when_source_reset` compares what was loaded with what the source holds
    up to the loaded watermark (row count and an order-free fingerprint of key and watermark); any
    difference means the loaded rows are not a prefix of the source, and the table is emptied so
    this run reloads the source whole. An unchanged source costs one aggregate over each side.

    Usage in a model:
        config(materialized='incremental', incremental_strategy='append',
               pre_hook="{{ empty_when_source_reset(source('s', 't'), 'received_at', 'event_id') }}")
        ... from {{ source('s', 't') }} {{ arrivals_after_newest_loaded('received_at') }}
-#}

{% macro empty_when_source_reset(source_relation, watermark, key) -%}
    {%- if execute and is_incremental() -%}
        {%- set fingerprint = "count(*) as row_count, " ~ rows_fingerprint(key, watermark) ~ " as row_hash" -%}
        {%- set compare -%}
            select
                loaded.row_count = upstream.row_count and loaded.row_hash = upstream.row_hash as is_prefix,
                loaded.row_count as loaded_rows
            from (select {{ fingerprint }} from {{ this }}) as loaded
            cross join (
                select {{ fingerprint }}
                from {{ source_relation }}
                where {{ watermark }} <= (select max({{ watermark }}) from {{ this }})
            ) as upstream
        {%- endset -%}
        {%- set row = run_query(compare).rows[0] -%}
        {%- if not row[0] -%}
            {{ log("source " ~ source_relation ~ " was reset: " ~ this ~ " reloads it whole (" ~ row[1] ~ " rows loaded earlier no longer match it)", info=True) }}
            truncate table {{ this }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- An order-free fingerprint of (key, watermark) over a set of rows, equal for equal sets. -#}
{% macro rows_fingerprint(key, watermark) -%}
    {{ return(adapter.dispatch('rows_fingerprint')(key, watermark)) }}
{%- endmacro %}

{% macro default__rows_fingerprint(key, watermark) -%}
    coalesce(sum(hash({{ key }}, {{ watermark }})), 0)
{%- endmacro %}

{#- Trino has no hash(); checksum() is its order-insensitive aggregate (null over no rows). -#}
{% macro trino__rows_fingerprint(key, watermark) -%}
    coalesce(to_hex(checksum(row({{ key }}, {{ watermark }}))), '')
{%- endmacro %}

{% macro arrivals_after_newest_loaded(watermark) -%}
    {%- if is_incremental() -%}
        where {{ watermark }} > (select max(loaded.{{ watermark }}) from {{ this }} as loaded)
            or not exists (select 1 from {{ this }})
    {%- endif -%}
{%- endmacro %}
