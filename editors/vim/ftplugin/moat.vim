" Moat threat models: comments start with # (or //), blocks are in braces, two-space indent.
if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=#\ %s
setlocal comments=:#,://
setlocal iskeyword=a-z,A-Z,48-57,_,-,.,*
setlocal expandtab shiftwidth=2 softtabstop=2


let b:undo_ftplugin = "setlocal commentstring< comments< iskeyword< expandtab< shiftwidth< softtabstop<"
