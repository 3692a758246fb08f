bs_unit(opensmtpd bs_parsers)
