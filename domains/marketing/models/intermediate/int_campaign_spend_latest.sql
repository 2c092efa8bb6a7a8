with

spend as (

    select * from {{ ref('stg_campaign_spend') }}

),

ranked as (

    -- a restated week is uploaded again: the latest upload of a campaign-day replaces earlier ones
    {{ latest_per_key('spend', 'campaign_id, spend_date', 'uploaded_at desc, batch_name desc') }}

),

final as (

    select
        campaign_id,
        spend_date,
        spend_amount,
        currency,
        impressions,
        clicks,
        batch_name,
        uploaded_at
    from ranked
    where _row_rank = 1

)

select * from final
