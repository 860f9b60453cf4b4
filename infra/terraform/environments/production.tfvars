environment = "production"
# production keeps retired blobs longer: a rollback may need a model that was retired last month
retired_blob_days = 90
