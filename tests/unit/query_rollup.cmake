bs_unit(query_rollup bs_store)
