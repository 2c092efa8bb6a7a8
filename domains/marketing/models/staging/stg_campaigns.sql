with

source as (

    select * from {{ source('ad_platforms', 'campaigns') }}

),

final as (

    select
        ----------  ids
        cast(campaign_id as bigint) as campaign_id,
        lower(trim(utm_campaign)) as utm_campaign,

        ----------  text
        trim(campaign_name) as campaign_name,
        lower(trim(channel)) as channel,

        ----------  numerics
        cast(daily_budget_eur as decimal(12, 2)) as daily_budget,

        ----------  dates
        cast(started_on as date) as started_on,
        cast(ended_on as date) as ended_on,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at as loaded_at

    from source

)

select * from final
