with

shipments as (

    select * from {{ ref('int_shipments_deduped') }}

),

tracking as (

    select * from {{ ref('int_shipment_tracking') }}

),

final as (

    select
        ----------  ids
        shipments.shipment_id,
        shipments.order_id,
        shipments.carrier_id,
        shipments.warehouse_code,

        ----------  status
        coalesce(tracking.current_status, 'label_created') as current_status,
        tracking.delivered_at is not null as is_delivered,
        case
            when tracking.delivered_at is not null
                then cast(tracking.delivered_at as date) <= shipments.promised_delivery_date
        end as is_on_time,

        ----------  numerics
        case
            when tracking.delivered_at is not null
                then
                    cast(
                        {{ dbt.datediff('shipments.shipped_at', 'tracking.delivered_at', 'minute') }}
                        as double
                    )
                    / 60
        end as transit_hours,
        cast(coalesce(tracking.failed_attempts, 0) as integer) as failed_attempts,
        cast(coalesce(tracking.tracking_event_count, 0) as integer) as tracking_event_count,

        ----------  dates
        shipments.shipped_at,
        shipments.promised_delivery_date,
        tracking.delivered_at,
        tracking.last_event_at

    from shipments
    left join tracking on shipments.shipment_id = tracking.shipment_id

)

select * from final
