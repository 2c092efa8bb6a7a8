with

orders as (

    select * from {{ ref('stg_orders') }}

),

ranked as (

    {{ latest_per_key('orders', 'order_id', 'updated_at desc, loaded_at desc') }}

),

status_times as (

    select
        order_id,
        min(case when order_status = 'shipped' then updated_at end) as shipped_at,
        min(case when order_status = 'delivered' then updated_at end) as delivered_at,
        min(case when order_status = 'cancelled' then updated_at end) as cancelled_at
    from orders
    group by order_id

),

final as (

    select
        ranked.order_id,
        ranked.customer_id,
        ranked.order_status,
        ranked.channel,
        ranked.currency,
        ranked.ordered_at,
        status_times.shipped_at,
        status_times.delivered_at,
        status_times.cancelled_at,
        ranked.updated_at
    from ranked
    inner join status_times on ranked.order_id = status_times.order_id
    where ranked._row_rank = 1

)

select * from final
