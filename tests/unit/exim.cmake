bs_unit(exim bs_parsers)
