with

customers as (

    select * from {{ ref('int_customers_deduped') }}

),

final as (

    select
        ----------  ids
        customer_id,

        ----------  personal data
        email,
        -- a stable join key for partners who must not see the address itself
        case when email is not null then {{ sha256_hex("email") }} end as email_sha256,
        first_name,
        last_name,

        ----------  attributes
        country_code,
        email is not null as has_valid_email,

        ----------  timestamps
        created_at,
        updated_at

    from customers

)

select * from final
