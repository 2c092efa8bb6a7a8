with

source as (

    select * from {{ source('carrier_tracking', 'delivery_events') }}

),

final as (

    select
        ----------  ids
        event_id,
        cast(shipment_id as bigint) as shipment_id,

        ----------  event
        lower(trim(event_type)) as event_type,

        ----------  timestamps
        {{ parse_utc_timestamp('event_ts') }} as event_at,
        received_at

    from source

)

select * from final
