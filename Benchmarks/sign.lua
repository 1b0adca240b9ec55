-- wrk script: POST /petitions/{slug}/sign with a unique e-mail per request.
-- usage: wrk -s Benchmarks/sign.lua URL -- SLUG CSRF_TOKEN
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  -- Seeded per run and thread, so a second run on the same database signs new e-mails
  -- (unseeded, every run repeats the same "random" prefixes and gets "already signed").
  math.randomseed(os.time() * 100 + id)
  slug = args[1]
  token = args[2]
  prefix = tostring(id) .. "-" .. tostring(math.random(1, 1e9))
end

function request()
  counter = counter + 1
  local body = "_csrf=" .. token .. "&first_name=Bench&last_name=Mark&email=b" .. prefix .. "-" .. counter ..
               "%40example.org&postal_code=K1A+0B1&comment=&website="
  return wrk.format("POST", "/petitions/" .. slug .. "/sign",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  if status ~= 303 then
    errors = (errors or 0) + 1
  end
end
