with

source as (

    select * from {{ source('wms', 'carriers') }}

),

final as (

    select
        ----------  ids
        cast(carrier_id as bigint) as carrier_id,
        upper(trim(carrier_code)) as carrier_code,

        ----------  text
        trim(carrier_name) as carrier_name,
        lower(trim(service_level)) as service_level,
        upper(trim(country_code)) as country_code,

        ----------  timestamps
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at as loaded_at

    from source

)

select * from final
