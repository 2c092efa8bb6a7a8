with

campaigns as (

    select * from {{ ref('marketing', 'dim_campaigns') }}

),

spend as (

    select * from {{ ref('marketing', 'fct_campaign_spend') }}

),

attributed_orders as (

    select * from {{ ref('marketing', 'fct_attributed_orders') }}

),

spend_totals as (

    select
        campaign_id,
        sum(spend_amount) as total_spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks
    from spend
    group by campaign_id

),

revenue_totals as (

    select
        attributed_campaign_id as campaign_id,
        count(*) as attributed_orders,
        sum(order_total) as attributed_revenue
    from attributed_orders
    where attributed_campaign_id is not null
    group by attributed_campaign_id

),

final as (

    select
        ----------  ids
        campaigns.campaign_id,

        ----------  attributes
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.started_on,
        campaigns.ended_on,

        ----------  numerics
        cast(coalesce(spend_totals.total_spend, 0) as decimal(14, 2)) as total_spend,
        cast(coalesce(spend_totals.impressions, 0) as bigint) as impressions,
        cast(coalesce(spend_totals.clicks, 0) as bigint) as clicks,
        cast(coalesce(revenue_totals.attributed_orders, 0) as integer) as attributed_orders,
        cast(coalesce(revenue_totals.attributed_revenue, 0) as decimal(14, 2)) as attributed_revenue,
        case
            when spend_totals.total_spend > 0
                then cast(coalesce(revenue_totals.attributed_revenue, 0) / spend_totals.total_spend as double)
        end as return_on_ad_spend,
        case
            when revenue_totals.attributed_orders > 0
                then cast(spend_totals.total_spend / revenue_totals.attributed_orders as decimal(14, 2))
        end as cost_per_attributed_order

    from campaigns
    left join spend_totals on campaigns.campaign_id = spend_totals.campaign_id
    left join revenue_totals on campaigns.campaign_id = revenue_totals.campaign_id

)

select * from final
