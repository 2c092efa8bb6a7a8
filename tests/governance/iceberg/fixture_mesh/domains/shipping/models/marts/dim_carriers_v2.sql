select id as carrier_id, name as carrier_name, country from raw.carriers
