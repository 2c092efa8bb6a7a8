with

order_lines as (

    select * from {{ ref('stg_order_lines') }}

),

ranked as (

    {{ latest_per_key('order_lines', 'order_line_id', 'loaded_at desc') }}

),

final as (

    select
        order_line_id,
        order_id,
        product_id,
        -- a legacy mobile client sent null for the default quantity of one
        coalesce(quantity, 1) as quantity,
        unit_price,
        cast(coalesce(discount_amount, 0) as decimal(10, 2)) as discount_amount,
        cast(coalesce(quantity, 1) * unit_price - coalesce(discount_amount, 0) as decimal(12, 2)) as line_total,
        created_at
    from ranked
    where _row_rank = 1

)

select * from final
