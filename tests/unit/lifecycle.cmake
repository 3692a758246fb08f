bs_unit(lifecycle bs_parsers)
