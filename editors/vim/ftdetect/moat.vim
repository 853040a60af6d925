" .moat files are Moat threat models.
autocmd BufRead,BufNewFile *.moat setfiletype moat
