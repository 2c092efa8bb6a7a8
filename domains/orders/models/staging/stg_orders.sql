with

source as (

    select * from {{ source('orders_db', 'orders') }}

),

final as (

    select
        ----------  ids
        cast(order_id as bigint) as order_id,
        cast(customer_id as bigint) as customer_id,

        ----------  text
        -- three services spell statuses differently ('SHIPPED', 'Shipped ', 'shipped')
        lower(trim(order_status)) as order_status,
        lower(trim(channel)) as channel,
        upper(trim(currency)) as currency,

        ----------  timestamps
        {{ parse_utc_timestamp('ordered_at') }} as ordered_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at as loaded_at

    from source

)

select * from final
