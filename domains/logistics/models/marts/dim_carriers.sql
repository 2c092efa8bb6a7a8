with

carriers as (

    select * from {{ ref('stg_carriers') }}

),

ranked as (

    {{ latest_per_key('carriers', 'carrier_id', 'updated_at desc, loaded_at desc') }}

),

final as (

    select
        carrier_id,
        carrier_code,
        carrier_name,
        service_level,
        country_code,
        updated_at
    from ranked
    where _row_rank = 1

)

select * from final
