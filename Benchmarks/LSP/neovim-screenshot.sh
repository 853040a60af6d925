#!/usr/bin/env bash
# The picture in docs/editors.md: Neovim with `moat lsp` on a copy of Samples/mobile-banking.moat, an
# error typed into it (virtual text and sign), and the hover of an element (its open findings from the
# last valid version). Neovim runs in tmux; the screen is captured with its colours and drawn by
# ansi2png.py (Pillow).
#   bash Benchmarks/LSP/neovim-screenshot.sh [OUT.png]      (default docs/images/neovim-lsp.png)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-docs/images/neovim-lsp.png}"
moat="$PWD/.build/release/moat"
[ -x "$moat" ] || moat="$PWD/.build/debug/moat"
work="$(mktemp -d)"
trap 'tmux kill-session -t moat-lsp-shot 2>/dev/null || true; [ -n "${MOAT_SHOT_KEEP:-}" ] && cp "$work/screen.ansi" "$MOAT_SHOT_KEEP"; rm -rf "$work"' EXIT
cp Samples/mobile-banking.moat "$work/mobile-banking.moat"
line=$(grep -n '^idp -> sms-gateway ' "$work/mobile-banking.moat" | cut -d: -f1)

cat > "$work/init.lua" <<LUA
vim.o.termguicolors = false
vim.o.background = 'dark'
vim.o.number = true
vim.o.hlsearch = false
vim.o.signcolumn = 'yes'
vim.o.laststatus = 2
vim.o.shortmess = vim.o.shortmess .. 'F'
vim.cmd('syntax on')
vim.diagnostic.config({ virtual_text = { severity = { min = vim.diagnostic.severity.WARN } }, signs = true,
                        underline = { severity = { min = vim.diagnostic.severity.WARN } }, severity_sort = true })
vim.cmd('highlight DiagnosticError ctermfg=203')
vim.cmd('highlight DiagnosticInfo ctermfg=110')
vim.cmd('highlight NormalFloat ctermbg=236 ctermfg=252')
vim.cmd('highlight FloatBorder ctermbg=236 ctermfg=110')
vim.api.nvim_create_autocmd('BufReadPost', { pattern = '*.moat', callback = function(args)
  local config = { name = 'moat', cmd = { '$moat', 'lsp' }, root_dir = vim.fn.fnamemodify(args.file, ':p:h') }
  if vim.lsp.start then vim.lsp.start(config) else vim.lsp.buf_attach_client(args.buf, vim.lsp.start_client(config)) end
end })
LUA

tmux kill-session -t moat-lsp-shot 2>/dev/null || true
tmux new-session -d -s moat-lsp-shot -x 160 -y 34 "cd $work && TERM=xterm-256color nvim -u init.lua -i NONE -n mobile-banking.moat"
sleep 3
# Type the error (https -> htps) on the flow ios-app -> idp, as a user would, and leave insert mode.
tmux send-keys -t moat-lsp-shot ":$line" Enter "zz" "0" "/protocol https" Enter "wl" "x" Escape
sleep 2
# Hover over the flow's source (the second call moves into the window, which then stays open).
tmux send-keys -t moat-lsp-shot "0" ":lua vim.lsp.buf.hover()" Enter
sleep 2
tmux send-keys -t moat-lsp-shot ":lua vim.lsp.buf.hover()" Enter
sleep 2
tmux capture-pane -e -p -t moat-lsp-shot > "$work/screen.ansi"
if [ -n "${MOAT_SHOT_TEXT:-}" ]; then tmux capture-pane -p -t moat-lsp-shot > "$MOAT_SHOT_TEXT"; fi
python3 Benchmarks/LSP/ansi2png.py "$work/screen.ansi" "$out" --columns 160
echo "wrote $out"
