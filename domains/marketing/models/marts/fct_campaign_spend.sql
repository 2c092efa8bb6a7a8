with

spend as (

    select * from {{ ref('int_campaign_spend_latest') }}

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['campaign_id', 'spend_date']) }} as campaign_spend_id,
        campaign_id,

        ----------  numerics
        spend_amount,
        currency,
        impressions,
        clicks,

        ----------  lineage of the figure
        batch_name as source_batch,
        uploaded_at,

        ----------  dates
        spend_date

    from spend

)

select * from final
