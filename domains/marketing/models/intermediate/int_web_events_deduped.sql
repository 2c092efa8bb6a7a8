with

events as (

    select * from {{ ref('stg_web_events') }}

),

ranked as (

    -- at-least-once delivery: keep the first delivery of each event
    {{ latest_per_key('events', 'event_id', 'received_at asc') }}

),

final as (

    select
        event_id,
        visitor_cookie,
        customer_id,
        event_type,
        page_url,
        utm_source,
        utm_medium,
        utm_campaign,
        event_at,
        received_at
    from ranked
    where _row_rank = 1

)

select * from final
