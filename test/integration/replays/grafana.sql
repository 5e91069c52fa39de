-- Grafana's PostgreSQL data source: the queries its query editor sends to list tables and the
-- columns of one (public/app/plugins/datasource/grafana-postgresql-datasource, meta queries),
-- and the version probe of its config page. Grafana's Go driver sends each with the extended
-- protocol. Run by test_replays.py.

-- name: version
SELECT current_setting('server_version_num')::int/100 as version

-- name: tables
SELECT
    CASE WHEN
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          ) THEN 0 ELSE 1 END, 1

-- name: columns
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('main.orders'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('main.orders'))[1]
          AND quote_ident(table_name) = (parse_ident('main.orders'))[2]
        ELSE quote_ident(table_name) = 'main.orders'
          AND
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END

-- name: time_series
SELECT date_trunc('day', '2024-01-01'::timestamp + (id || ' days')::interval) AS "time", sum(amount) AS value FROM main.orders WHERE '2024-01-01'::timestamp + (id || ' days')::interval BETWEEN '2023-12-01T00:00:00Z' AND '2024-03-01T00:00:00Z' GROUP BY 1 ORDER BY 1
