with

orders as (

    select * from {{ ref('int_orders_deduped') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_deduped') }}

),

order_totals as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as item_count,
        sum(line_total) as order_total
    from order_lines
    group by order_id

),

final as (

    select
        ----------  ids
        orders.order_id,
        orders.customer_id,

        ----------  attributes
        orders.order_status,
        orders.channel,
        orders.currency,

        ----------  numerics
        cast(coalesce(order_totals.line_count, 0) as integer) as line_count,
        cast(coalesce(order_totals.item_count, 0) as integer) as item_count,
        cast(coalesce(order_totals.order_total, 0) as decimal(12, 2)) as order_total,

        ----------  timestamps
        orders.ordered_at,
        cast(orders.ordered_at as date) as ordered_date,
        orders.shipped_at,
        orders.delivered_at,
        orders.cancelled_at

    from orders
    left join order_totals on orders.order_id = order_totals.order_id

)

select * from final
