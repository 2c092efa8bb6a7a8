with

source as (

    select * from {{ source('clickstream', 'web_events') }}

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
