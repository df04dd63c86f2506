# bench/templates
