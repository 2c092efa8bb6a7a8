with

source as (

    select * from {{ source('wms', 'shipments') }}

),

final as (

    select
        ----------  ids
        cast(shipment_id as bigint) as shipment_id,
        cast(order_id as bigint) as order_id,
        cast(carrier_id as bigint) as carrier_id,
        upper(trim(warehouse_code)) as warehouse_code,

        ----------  dates
        {{ parse_utc_timestamp('shipped_at') }} as shipped_at,
        cast(promised_delivery_date as date) as promised_delivery_date,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at as loaded_at

    from source

)

select * from final
