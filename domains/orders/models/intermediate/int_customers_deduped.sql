with

customers as (

    select * from {{ ref('stg_customers') }}

),

ranked as (

    {{ latest_per_key('customers', 'customer_id', 'updated_at desc, loaded_at desc') }}

),

final as (

    select
        customer_id,
        email,
        first_name,
        last_name,
        country_code,
        created_at,
        updated_at
    from ranked
    where _row_rank = 1

)

select * from final
