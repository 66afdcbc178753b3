"""Simplified Chinese: reports and bulletins group digits by three with commas (2,300.00 亿元),
where Django's default groups nothing. Used where a template asks for grouping ("g")."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
