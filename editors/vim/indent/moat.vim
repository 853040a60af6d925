" Moat threat models: one level in after a line that opens a block, one out on a line that closes one.
if exists("b:did_indent")
  finish
endif
let b:did_indent = 1

setlocal indentexpr=MoatIndent(v:lnum)
setlocal indentkeys=0},!^F,o,O
let b:undo_indent = "setlocal indentexpr< indentkeys<"

if exists("*MoatIndent")
  finish
endif

function! MoatIndent(lnum) abort
  let previous = prevnonblank(a:lnum - 1)
  if previous == 0
    return 0
  endif
  " The previous line without its comment and strings.
  let text = substitute(getline(previous), '"\%(\\.\|[^"\\]\)*"', '""', 'g')
  let text = substitute(text, '\s*\%(#\|//\).*$', '', '')
  let indent = indent(previous)
  let indent += (len(substitute(text, '[^{]', '', 'g')) - len(substitute(text, '[^}]', '', 'g'))) * shiftwidth()
  if text =~# '^\s*}'
    let indent += shiftwidth()
  endif
  " A value list continued after a trailing comma: one level in, and back after its last line.
  let before = prevnonblank(previous - 1)
  let continued = text =~# ',\s*$'
  let was_continued = before > 0 && substitute(getline(before), '\s*\%(#\|//\).*$', '', '') =~# ',\s*$'
  if continued && !was_continued
    let indent += shiftwidth()
  elseif !continued && was_continued
    let indent -= shiftwidth()
  endif
  if getline(a:lnum) =~# '^\s*}'
    let indent -= shiftwidth()
  endif
  return max([indent, 0])
endfunction
