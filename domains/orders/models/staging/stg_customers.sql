with

source as (

    select * from {{ source('orders_db', 'customers') }}

),

final as (

    select
        ----------  ids
        cast(customer_id as bigint) as customer_id,

        ----------  text
        {{ normalize_email('email') }} as email,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        upper(trim(country_code)) as country_code,

        ----------  timestamps
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at as loaded_at

    from source

)

select * from final
