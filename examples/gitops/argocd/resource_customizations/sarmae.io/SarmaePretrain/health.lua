-- Argo CD health for sarmae.io SarmaePretrain and SarmaeFinetune (the same script for both).
-- Like a batch/v1 Job: a run that is pending or training is Progressing, a finished one Healthy,
-- a failed or stalled one Degraded, a suspended one Suspended. Status is trusted only once the
-- operator has observed the current generation (status.observedGeneration).
local hs = {}

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function text(s)
  if s == nil or s == "" then
    return nil
  end
  return s
end

local function progress(status)
  local p = status.progress
  if p == nil then
    return ""
  end
  local parts = {}
  if p.epoch ~= nil and p.epochs ~= nil then
    table.insert(parts, "epoch " .. p.epoch .. "/" .. p.epochs)
  end
  if p.percent ~= nil then
    table.insert(parts, p.percent .. "%")
  end
  if p.eta ~= nil then
    table.insert(parts, "ETA " .. p.eta)
  end
  if #parts == 0 then
    return ""
  end
  return " (" .. table.concat(parts, ", ") .. ")"
end

-- A finished fine-tune's primary metric (top1 or mIoU, mean +- std over repeats, percent).
local function result(status)
  local r = status.result
  if r == nil or r.primaryMetric == nil or r.primaryMean == nil then
    return nil
  end
  local s = r.primaryMetric .. " " .. r.primaryMean
  if r.primaryStd ~= nil then
    s = s .. " +- " .. r.primaryStd
  end
  return s
end

local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local phase = status.phase
local stalled = condition(status, "Stalled")

if phase == "Succeeded" then
  hs.status = "Healthy"
  local done = condition(status, "Succeeded")
  local metric = result(status)
  hs.message = (done ~= nil and text(done.message))
    or (metric ~= nil and ("Succeeded: " .. metric))
    or "Succeeded"
elseif phase == "Failed" then
  hs.status = "Degraded"
  local failed = condition(status, "Failed")
  hs.message = (failed ~= nil and text(failed.message)) or "Failed"
elseif phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = "Suspended (spec.suspend); pods deleted, checkpoints kept"
elseif stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = (text(stalled.reason) or "Stalled") .. ": " .. (text(stalled.message) or "")
elseif phase == "Running" then
  hs.status = "Progressing"
  hs.message = "Running" .. progress(status)
elseif phase == "Restarting" then
  hs.status = "Progressing"
  local reconciling = condition(status, "Reconciling")
  hs.message = "Restarting"
  if reconciling ~= nil and text(reconciling.message) ~= nil then
    hs.message = "Restarting: " .. reconciling.message
  end
else
  hs.status = "Progressing"
  local reconciling = condition(status, "Reconciling")
  hs.message = phase
  if reconciling ~= nil and text(reconciling.message) ~= nil then
    hs.message = phase .. ": " .. reconciling.message
  end
end
return hs
