-- Tokens file: "<user_id> <token>" per line (written by bench/run.sh).
tokens, token_of = {}, {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  local uid, tok = line:match("(%d+) (%S+)")
  tokens[#tokens + 1] = tok
  token_of[uid] = tok
end
lots = tonumber(os.getenv("BENCH_LOTS") or "10")
pending = {}   -- bookings to release: {id, token}

-- Remembers a booking from a 201 so that a later request releases it.
function remember_booking(status, body)
  if status ~= 201 then return end
  local id = body:match('"booking":{[^}]*"id":(%d+)')
  local uid = body:match('"user_id":(%d+)')
  if id and uid and token_of[uid] then pending[#pending + 1] = { id, token_of[uid] } end
end

function release_request()
  local p = table.remove(pending)
  if not p then return nil end
  return wrk.format("POST", "/api/release/" .. p[1], { ["Authorization"] = "Bearer " .. p[2] })
end

function book_request(i)
  return wrk.format("POST", "/api/book",
    { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1], ["Content-Type"] = "application/json" },
    '{"lot_id":' .. ((i % lots) + 1) .. '}')
end
