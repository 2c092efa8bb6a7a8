select id as carrier_id, name as carrier_name from raw.carriers
