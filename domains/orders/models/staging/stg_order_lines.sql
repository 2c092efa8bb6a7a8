with

source as (

    select * from {{ source('orders_db', 'order_lines') }}

),

final as (

    select
        ----------  ids
        cast(order_line_id as bigint) as order_line_id,
        cast(order_id as bigint) as order_id,
        cast(product_id as bigint) as product_id,

        ----------  numerics
        cast(quantity as integer) as quantity,
        cast(unit_price as decimal(10, 2)) as unit_price,
        cast(discount_amount as decimal(10, 2)) as discount_amount,

        ----------  timestamps
        {{ parse_utc_timestamp('created_at') }} as created_at,
        _loaded_at as loaded_at

    from source

)

select * from final
