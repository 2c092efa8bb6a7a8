with

campaigns as (

    select * from {{ ref('stg_campaigns') }}

),

ranked as (

    {{ latest_per_key('campaigns', 'campaign_id', 'updated_at desc, loaded_at desc') }}

),

final as (

    select
        campaign_id,
        campaign_name,
        channel,
        utm_campaign,
        daily_budget,
        started_on,
        ended_on
    from ranked
    where _row_rank = 1

)

select * from final
