with

customers as (

    select * from {{ ref('int_customers_deduped') }}

),

final as (

    select
        customer_id,
        email,
        -- v1 consumers read one display name; v2 splits it (see dim_customers.yml)
        nullif(trim(concat_ws(' ', first_name, last_name)), '') as full_name,
        country_code,
        created_at
    from customers

)

select * from final
