with

source as (

    select * from {{ source('orders_db', 'products') }}

),

final as (

    select
        ----------  ids
        cast(product_id as bigint) as product_id,
        upper(trim(sku)) as sku,

        ----------  text
        trim(product_name) as product_name,
        lower(trim(category)) as category,
        upper(trim(currency)) as currency,

        ----------  numerics
        cast(unit_price as decimal(10, 2)) as unit_price,

        ----------  booleans
        cast(is_active as boolean) as is_active,

        ----------  timestamps
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at as loaded_at

    from source

)

select * from final
