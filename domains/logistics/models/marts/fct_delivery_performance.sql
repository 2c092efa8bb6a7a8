with

shipments as (

    select * from {{ ref('fct_shipments') }}

),

weekly as (

    select
        carrier_id,
        cast({{ dbt.date_trunc('week', 'shipped_at') }} as date) as ship_week,
        count(*) as shipment_count,
        sum(case when is_delivered then 1 else 0 end) as delivered_count,
        sum(case when is_on_time then 1 else 0 end) as on_time_count,
        avg(transit_hours) as avg_transit_hours
    from shipments
    group by 1, 2

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['carrier_id', 'ship_week']) }} as delivery_performance_id,
        carrier_id,
        ship_week,

        ----------  numerics
        cast(shipment_count as integer) as shipment_count,
        cast(delivered_count as integer) as delivered_count,
        cast(on_time_count as integer) as on_time_count,
        case
            when delivered_count > 0 then cast(on_time_count as double) / delivered_count
        end as on_time_rate,
        cast(avg_transit_hours as double) as avg_transit_hours

    from weekly

)

select * from final
