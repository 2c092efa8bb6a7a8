with

shipments as (

    select * from {{ ref('stg_shipments') }}

),

ranked as (

    {{ latest_per_key('shipments', 'shipment_id', 'updated_at desc, loaded_at desc') }}

),

final as (

    select
        shipment_id,
        order_id,
        carrier_id,
        warehouse_code,
        shipped_at,
        promised_delivery_date,
        updated_at
    from ranked
    where _row_rank = 1

)

select * from final
