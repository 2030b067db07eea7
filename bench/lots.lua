-- Authenticated GET /api/lots with many users' tokens.
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/lots", { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] })
end
