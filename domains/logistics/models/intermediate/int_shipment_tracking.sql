with

events as (

    select * from {{ ref('stg_delivery_events') }}

),

deduped as (

    -- webhooks are retried: keep the first delivery of each event
    {{ latest_per_key('events', 'event_id', 'received_at asc') }}

),

-- the current status follows when things happened, not when the carrier told us
ranked as (

    select
        *,
        row_number() over (partition by shipment_id order by event_at desc, event_id asc) as recency_rank
    from deduped
    where _row_rank = 1

),

final as (

    select
        shipment_id,
        max(case when recency_rank = 1 then event_type end) as current_status,
        max(case when recency_rank = 1 then event_at end) as last_event_at,
        min(case when event_type = 'delivered' then event_at end) as delivered_at,
        sum(case when event_type = 'failed_attempt' then 1 else 0 end) as failed_attempts,
        count(*) as tracking_event_count
    from ranked
    group by shipment_id

)

select * from final
