with

products as (

    select * from {{ ref('int_products_deduped') }}

),

final as (

    select
        product_id,
        sku,
        product_name,
        category,
        unit_price,
        currency,
        is_active,
        updated_at
    from products

)

select * from final
