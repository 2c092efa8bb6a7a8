with

order_lines as (

    select * from {{ ref('int_order_lines_deduped') }}

),

orders as (

    select * from {{ ref('int_orders_deduped') }}

),

final as (

    select
        ----------  ids
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.product_id,

        ----------  numerics
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.discount_amount,
        order_lines.line_total,

        ----------  timestamps
        orders.ordered_at

    from order_lines
    inner join orders on order_lines.order_id = orders.order_id

)

select * from final
