with

products as (

    select * from {{ ref('stg_products') }}

),

ranked as (

    {{ latest_per_key('products', 'product_id', 'updated_at desc, loaded_at desc') }}

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
    from ranked
    where _row_rank = 1

)

select * from final
