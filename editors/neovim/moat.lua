-- Moat threat models in Neovim: filetype, highlighting and the language server (`moat lsp`, LSP over stdio).
-- Put this file in ~/.config/nvim/plugin/moat.lua (or paste it into init.lua), and add the Vim runtime
-- files of editors/vim to the runtime path for highlighting (docs/editors.md):
--   vim.opt.runtimepath:append("/path/to/moat/editors/vim")

-- 1. Filetype: *.moat → moat (editors/vim/ftdetect does the same for Vim).
vim.filetype.add({ extension = { moat = "moat" } })

-- 2. The language server. Neovim 0.11 and later: vim.lsp.config + vim.lsp.enable.
if vim.lsp.config and vim.lsp.enable then
  vim.lsp.config("moat", {
    cmd = { "moat", "lsp" },
    filetypes = { "moat" },
    root_markers = { ".moat-baseline.json", ".git" },
  })
  vim.lsp.enable("moat")
else
  -- Neovim 0.8 to 0.10: start (or reuse) a client for each moat buffer.
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "moat",
    callback = function(args)
      local root = vim.fs.dirname(vim.fs.find({ ".moat-baseline.json", ".git" }, {
        upward = true,
        path = vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
      })[1])
      vim.lsp.start({ name = "moat", cmd = { "moat", "lsp" }, root_dir = root or vim.fn.getcwd() })
    end,
  })
end

-- 3. Or, with nvim-lspconfig, register Moat as a custom server instead of step 2:
--   local configs = require("lspconfig.configs")
--   if not configs.moat then
--     configs.moat = {
--       default_config = {
--         cmd = { "moat", "lsp" },
--         filetypes = { "moat" },
--         root_dir = require("lspconfig.util").root_pattern(".moat-baseline.json", ".git"),
--         single_file_support = true,
--       },
--     }
--   end
--   require("lspconfig").moat.setup({})
