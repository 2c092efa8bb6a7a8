with

source as (

    select * from {{ source('ad_platforms', 'campaign_spend') }}

),

final as (

    select
        ----------  ids
        cast(campaign_id as bigint) as campaign_id,
        trim(batch_name) as batch_name,

        ----------  numerics
        {{ parse_decimal_text('spend_amount') }} as spend_amount,
        upper(trim(currency)) as currency,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,

        ----------  dates
        cast(spend_date as date) as spend_date,
        {{ parse_utc_timestamp('uploaded_at') }} as uploaded_at,
        _loaded_at as loaded_at

    from source

)

select * from final
