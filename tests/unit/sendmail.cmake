bs_unit(sendmail bs_parsers)
