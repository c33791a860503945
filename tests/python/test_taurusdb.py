"""Huawei Cloud's official GaussDB SDK (huaweicloudsdkgaussdb + huaweicloudsdkcore), unchanged,
against `upgrade-sim serve` through an endpoint override: AK/SK-signed batch upgrade, jobs
followed to Completed on stepped virtual time, the new version in the instance details, and
the SDK's own exceptions for the simulator's errors."""

import pytest

PROJECT = "054e292c9880d4992f02c0196d3ea468"
ORDERS = "6754902da1f447269c6979b0590102a5in07"
BILLING = "3f1c0d2b8e9a4c6d9b7e5a1f2c3d4e5fin07"
CATALOG = "8b2e4f6a1c3d4e5f8a9b0c1d2e3f4a5bin07"
AK = "SIMULATORACCESSKEY00"
SK = "simulator-secret-key"
LATEST = "2.0.57.240900"


@pytest.fixture
def sdk(monkeypatch, tmp_path):
    # Importing the SDK writes ~/.huaweicloud/application_id: keep it in a scratch HOME.
    monkeypatch.setenv("HOME", str(tmp_path))
    from huaweicloudsdkcore.auth import credentials
    from huaweicloudsdkcore.exceptions import exceptions
    from huaweicloudsdkgaussdb import v3

    return credentials, exceptions, v3


def client(sdk, sim, sk=SK):
    credentials, _, v3 = sdk
    return (
        v3.GaussDBClient.new_builder()
        .with_credentials(credentials.BasicCredentials(AK, sk, PROJECT))
        .with_endpoint(sim.url)
        .build()
    )


def batch_request(v3, *items, delay=False):
    infos = [v3.UpgradeDatabasesSingleInstance(current_version=v, instance_id=i) for i, v in items]
    return v3.BatchUpgradeDatabasesRequest(
        body=v3.BatchUpgradeDatabasesRequestBody(databases_instance_infos=infos, delay=delay)
    )


def test_the_sdk_upgrades_a_batch_with_aksk_and_follows_the_jobs_to_completed(sdk, sim):
    _, _, v3 = sdk
    c = client(sdk, sim)
    resp = c.batch_upgrade_databases(batch_request(v3, (ORDERS, "2.0.48.231200"), (BILLING, "2.0.45.230900")))
    assert resp.resp == "success"
    assert resp.status_code == 200

    # The batch returns no job id: find the jobs in the immediate-jobs list.
    jobs = c.list_immediate_jobs(v3.ListImmediateJobsRequest(job_name="UpgradeGaussDBforMySQLDatabaseVersion")).jobs
    assert {j.instance_id for j in jobs} == {ORDERS, BILLING}
    job_id = next(j.job_id for j in jobs if j.instance_id == ORDERS)

    seen = []
    for _ in range(100):
        job = c.show_gauss_my_sql_job_info(v3.ShowGaussMySqlJobInfoRequest(id=job_id)).job
        seen.append((job.status, job.process))
        if job.status in ("Completed", "Failed"):
            break
        if job.status == "Running":
            info = c.show_gauss_my_sql_instance_info(v3.ShowGaussMySqlInstanceInfoRequest(instance_id=ORDERS)).instance
            assert info.status == "UPGRADING"
        sim.virtual_sleep(30)
    assert job.status == "Completed", seen
    assert seen[0][0] == "Pending"
    assert any(s == "Running" and p.endswith("%") for s, p in seen), seen
    assert job.instance.id == ORDERS

    info = c.show_gauss_my_sql_instance_info(v3.ShowGaussMySqlInstanceInfoRequest(instance_id=ORDERS)).instance
    assert info.status == "ACTIVE"
    assert info.datastore.kernel_version == LATEST
    assert info.nodes[0].type == "master"
    version = c.show_instance_database_version(v3.ShowInstanceDatabaseVersionRequest(instance_id=ORDERS))
    assert version.upgrade_flag is False
    assert version.datastore.current_kernel_version == LATEST


def test_a_wrong_sk_gets_the_sdks_client_request_exception_with_apigw_0301(sdk, sim):
    _, exceptions, v3 = sdk
    c = client(sdk, sim, sk="not-the-secret-key")
    with pytest.raises(exceptions.ClientRequestException) as e:
        c.batch_upgrade_databases(batch_request(v3, (ORDERS, "2.0.48.231200")))
    assert e.value.status_code == 401
    assert e.value.error_code == "APIGW.0301"
    assert "verify aksk signature fail" in e.value.error_msg
    assert len(e.value.request_id) == 32
    # Nothing was started.
    jobs = client(sdk, sim).list_immediate_jobs(v3.ListImmediateJobsRequest()).jobs
    assert jobs == []


def test_the_sdk_sees_the_real_error_codes(sdk, sim):
    _, exceptions, v3 = sdk
    c = client(sdk, sim)
    with pytest.raises(exceptions.ClientRequestException) as e:
        c.batch_upgrade_databases(batch_request(v3, (CATALOG, LATEST)))
    assert (e.value.status_code, e.value.error_code) == (400, "DBS.05000008")
    with pytest.raises(exceptions.ClientRequestException) as e:
        c.batch_upgrade_databases(batch_request(v3, ("ffffffffffffffffffffffffffffffffin07", "2.0.48.231200")))
    assert (e.value.status_code, e.value.error_code) == (404, "DBS.200002")
    with pytest.raises(exceptions.ClientRequestException) as e:
        c.batch_upgrade_databases(v3.BatchUpgradeDatabasesRequest())
    assert e.value.error_code == "DBS.200006"
    with pytest.raises(exceptions.ClientRequestException) as e:
        c.batch_upgrade_databases(batch_request(v3, (ORDERS, "2.0.45.230900")))
    assert e.value.error_code == "DBS.200001"
    req = batch_request(v3, (ORDERS, "2.0.48.231200"))
    req.body.delay = "maybe"
    with pytest.raises(exceptions.ClientRequestException) as e:
        c.batch_upgrade_databases(req)
    assert e.value.error_code == "DBS.200001"


def test_a_delayed_single_upgrade_is_scheduled_followed_with_retry_and_runs_in_the_window(sdk, sim, monkeypatch):
    _, _, v3 = sdk
    from huaweicloudsdkcore.invoker import invoker
    from huaweicloudsdkcore.retry.backoff_strategy import BackoffStrategy

    c = client(sdk, sim)
    resp = c.upgrade_gauss_my_sql_instance_database(
        v3.UpgradeGaussMySqlInstanceDatabaseRequest(instance_id=ORDERS, body=v3.UpgradeDatabaseRequest(delay=True))
    )
    job_id = resp.job_id
    schedules = c.list_schedule_jobs(v3.ListScheduleJobsRequest(instance_id=ORDERS)).schedules
    assert [(s.job_id, s.job_name, s.job_status) for s in schedules] == [(job_id, "VERSION_UPGRADE", "Pending")]
    assert schedules[0].start_time == "2026-01-01T18:00:00+0000"

    # The SDK's own retry loop waits between polls; its sleep steps the virtual clock.
    # The SDK allows at most 10 retries: poll every three virtual hours.
    class EveryThreeHours(BackoffStrategy):
        def calculate_retry_delay_millis(self, retries):
            return 3 * 3600 * 1000

    monkeypatch.setattr(invoker.time, "sleep", sim.virtual_sleep)
    job = (
        c.show_gauss_my_sql_job_info_invoker(v3.ShowGaussMySqlJobInfoRequest(id=job_id))
        .with_retry(lambda r, e: e is not None or r.job.status != "Completed", 10, EveryThreeHours())
        .invoke()
        .job
    )
    assert job.status == "Completed"
    assert job.created == "2026-01-01T00:00:00+0000"
    info = c.show_gauss_my_sql_instance_info(v3.ShowGaussMySqlInstanceInfoRequest(instance_id=ORDERS)).instance
    assert info.datastore.kernel_version == LATEST
    assert info.updated.startswith("2026-01-01T18:")


def test_a_pending_scheduled_job_is_cancelled_through_the_sdk(sdk, sim):
    _, _, v3 = sdk
    c = client(sdk, sim)
    c.batch_upgrade_databases(batch_request(v3, (BILLING, "2.0.45.230900"), delay=True))
    job_id = c.list_schedule_jobs(v3.ListScheduleJobsRequest()).schedules[0].job_id
    resp = c.cancel_schedule_task(v3.CancelScheduleTaskRequest(body=v3.CancelScheduleTask(job_ids=[job_id])))
    assert resp.job_ids == [job_id]
    sim.run_until_idle()
    status = c.list_schedule_jobs(v3.ListScheduleJobsRequest()).schedules[0].job_status
    assert status == "Canceled"


def test_quick_start_credentials_without_a_project_id_find_it_through_iam(sdk, sim):
    credentials, _, v3 = sdk
    from huaweicloudsdkcore.region.region import Region

    # The SDK's quick start: AK/SK and a region, no project id; IAM is asked for it.
    creds = credentials.BasicCredentials(AK, SK).with_iam_endpoint(sim.url)
    c = v3.GaussDBClient.new_builder().with_credentials(creds).with_region(Region("cn-north-4", sim.url)).build()
    resp = c.list_gauss_my_sql_instances(v3.ListGaussMySqlInstancesRequest())
    assert creds.project_id == PROJECT
    assert resp.total_count == 5
    assert all(isinstance(i, v3.MysqlInstanceListInfo) for i in resp.instances)


def test_the_instance_list_filters_as_the_sdk_documents_them(sdk, sim):
    _, exceptions, v3 = sdk
    c = client(sdk, sim)

    def names(**filters):
        return [i.name for i in c.list_gauss_my_sql_instances(v3.ListGaussMySqlInstancesRequest(**filters)).instances]

    assert names(name="taurus-orders") == ["taurus-orders"]
    assert names(name="orders") == []
    assert names(name="*or") == ["taurus-orders", "taurus-reports"]
    assert names(tags="env=prod,team=finance") == ["taurus-billing"]
    assert names(proxy_ip="192.168.0.200") == ["taurus-billing"]
    assert names(type="Cluster", datastore_type="gaussdb-mysql", limit=2, offset=3) == ["taurus-catalog", "taurus-archive"]
    with pytest.raises(exceptions.ClientRequestException) as e:
        names(limit=0)
    assert (e.value.status_code, e.value.error_code) == (400, "DBS.200001")
    assert "limit must be a number from 1 to 100" in e.value.error_msg


def test_instance_details_in_batches_and_the_small_fields_match_the_sdk_models(sdk, sim):
    _, _, v3 = sdk
    c = client(sdk, sim)
    ids = f"{ORDERS},{BILLING}"
    details = c.list_gauss_my_sql_instance_detail_info(v3.ListGaussMySqlInstanceDetailInfoRequest(instance_ids=ids))
    assert [(i.id, i.node_count) for i in details.instances] == [(ORDERS, 2), (BILLING, 3)]
    assert all(isinstance(i, v3.MysqlInstanceInfoDetail) for i in details.instances)
    assert details.instances[0].tags[0].key == "env"
    unified = c.list_gauss_my_sql_instance_detail_info_unify_status(
        v3.ListGaussMySqlInstanceDetailInfoUnifyStatusRequest(instance_ids=ORDERS)
    ).instances[0]
    assert isinstance(unified, v3.MysqlInstanceInfoDetailUnifyStatus)
    assert unified.status == "normal"
    assert isinstance(unified.tde_info, v3.MysqlTdeInfo) and unified.tde_info.enable_tde is False
    version = c.show_instance_database_version(v3.ShowInstanceDatabaseVersionRequest(instance_id=ORDERS)).datastore
    assert (version.current_version, version.current_kernel_version) == ("8.0.32", "2.0.48.231200")


def test_a_delayed_upgrade_moved_with_the_ops_window_runs_in_the_new_window(sdk, sim):
    _, _, v3 = sdk
    c = client(sdk, sim)
    job_id = c.upgrade_gauss_my_sql_instance_database(
        v3.UpgradeGaussMySqlInstanceDatabaseRequest(instance_id=ORDERS, body=v3.UpgradeDatabaseRequest(delay=True))
    ).job_id
    exist = c.check_schedule_task_exist(
        v3.CheckScheduleTaskExistRequest(
            instance_id=ORDERS, body=v3.CheckScheduleTaskExistRequestBody(schedule_type="VERSION_UPGRADE")
        )
    )
    assert exist.exist is True
    task = exist.scheduled_tasks[0]
    assert isinstance(task, v3.ScheduledTaskV3)
    assert (task.task_id, task.task_status) == (job_id, "WAITING")

    # 18:00-22:00 would start it at 18:00; 02:00-06:00 starts it two virtual hours from now.
    c.update_gauss_my_sql_instance_ops_window(
        v3.UpdateGaussMySqlInstanceOpsWindowRequest(
            instance_id=ORDERS, body=v3.ModifyOpsWindow(start_time="02:00", end_time="06:00")
        )
    )
    info = c.show_gauss_my_sql_instance_info(v3.ShowGaussMySqlInstanceInfoRequest(instance_id=ORDERS)).instance
    assert info.maintenance_window == "02:00-06:00"
    start = c.list_schedule_jobs(v3.ListScheduleJobsRequest(instance_id=ORDERS)).schedules[0].start_time
    assert start == "2026-01-01T02:00:00+0000"

    def detail():
        return c.show_task_details(v3.ShowTaskDetailsRequest(instance_id=ORDERS, job_id=job_id))

    sim.advance("1h")
    assert detail().status == "Pending"
    sim.advance("1h9m")
    d = detail()
    assert d.status == "Running"
    assert all(isinstance(s, v3.SubTaskInfo) for s in d.sub_task_list)
    assert [(s.status, s.percent) for s in d.sub_task_list] == [("Completed", "100"), ("Running", "50")]
    sim.run_until_idle()
    assert [s.status for s in detail().sub_task_list] == ["Completed", "Completed"]
    info = c.show_gauss_my_sql_instance_info(v3.ShowGaussMySqlInstanceInfoRequest(instance_id=ORDERS)).instance
    assert info.datastore.kernel_version == LATEST

    # The ended job's record can go.
    c.delete_task_record(v3.DeleteTaskRecordRequest(job_id=job_id))
    jobs = c.list_immediate_jobs(v3.ListImmediateJobsRequest()).jobs
    assert job_id not in [j.job_id for j in jobs]


def test_a_scheduled_upgrade_is_cancelled_by_instance(sdk, sim):
    _, exceptions, v3 = sdk
    c = client(sdk, sim)
    job_id = c.upgrade_gauss_my_sql_instance_database(
        v3.UpgradeGaussMySqlInstanceDatabaseRequest(instance_id=BILLING, body=v3.UpgradeDatabaseRequest(delay=True))
    ).job_id
    resp = c.delete_schedule_tas_k(
        v3.DeleteScheduleTasKRequest(instance_id=BILLING, body=v3.DeleteScheduleTasKRequestBody(job_id=job_id))
    )
    assert resp.result is True
    job = c.show_gauss_my_sql_job_info(v3.ShowGaussMySqlJobInfoRequest(id=job_id)).job
    assert job.status == "Canceled"
    with pytest.raises(exceptions.ClientRequestException) as e:
        c.delete_schedule_tas_k(
            v3.DeleteScheduleTasKRequest(instance_id=BILLING, body=v3.DeleteScheduleTasKRequestBody(job_id=job_id))
        )
    assert e.value.error_code == "DBS.200001"


TEMPORARY_KEYS = """
name: temporary-keys
seed: 1
taurusdb:
  credentials:
    access_keys:
      - {ak: TEMPORARYKEY0000000A, sk: temp-secret, security_token: sts-token-1, expires_at: "2099-01-01T00:00:00Z"}
      - {ak: EXPIREDKEY000000000A, sk: old-secret, security_token: sts-token-0, expires_at: "2020-01-01T00:00:00Z"}
  projects:
    - id: 054e292c9880d4992f02c0196d3ea468
      instances: [{id: 6754902da1f447269c6979b0590102a5in07}]
"""


@pytest.mark.upgrade_sim(scenario=TEMPORARY_KEYS)
def test_temporary_keys_work_with_their_security_token_until_they_expire(sdk, sim):
    credentials, exceptions, v3 = sdk

    def temporary(ak, sk, token):
        creds = credentials.BasicCredentials(ak, sk, PROJECT).with_security_token(token)
        return v3.GaussDBClient.new_builder().with_credentials(creds).with_endpoint(sim.url).build()

    listed = temporary("TEMPORARYKEY0000000A", "temp-secret", "sts-token-1").list_gauss_my_sql_instances(
        v3.ListGaussMySqlInstancesRequest()
    )
    assert [i.id for i in listed.instances] == [ORDERS]
    for ak, sk, token, says in [
        ("TEMPORARYKEY0000000A", "temp-secret", "sts-token-0", "decrypt token fail"),
        ("EXPIREDKEY000000000A", "old-secret", "sts-token-0", "token expires"),
    ]:
        with pytest.raises(exceptions.ClientRequestException) as e:
            temporary(ak, sk, token).list_gauss_my_sql_instances(v3.ListGaussMySqlInstancesRequest())
        assert (e.value.status_code, e.value.error_code) == (401, "APIGW.0301")
        assert says in e.value.error_msg


@pytest.mark.parametrize("algorithm", ["HMAC_SHA256", "HMAC_SM3", "ECDSA_P256_SHA256", "SM2_SM3"])
def test_every_signing_algorithm_of_the_sdk_is_verified(sdk, sim, algorithm):
    # HttpConfig.signing_algorithm picks the SDK's signer (signer/signer.py): the SM3 hash
    # comes from hashlib (OpenSSL), the P-256 and SM2 keys are derived from AK/SK and sign
    # with a random k, so each run sends a different signature.
    credentials, exceptions, v3 = sdk
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm

    def signed_with(sk):
        config = HttpConfig.get_default_config()
        config.signing_algorithm = SigningAlgorithm[algorithm]
        return (
            v3.GaussDBClient.new_builder()
            .with_http_config(config)
            .with_credentials(credentials.BasicCredentials(AK, sk, PROJECT))
            .with_endpoint(sim.url)
            .build()
        )

    c = signed_with(SK)
    for _ in range(4):
        listed = c.list_gauss_my_sql_instances(v3.ListGaussMySqlInstancesRequest(name="taurus-orders"))
        assert [i.id for i in listed.instances] == [ORDERS]
    # A body is signed too (its hash is SHA-256, or SM3 for the SM algorithms).
    check = c.show_kernel_upgrade_check_result(
        v3.ShowKernelUpgradeCheckResultRequest(
            body=v3.UpgradePrecheckRequest(
                databases_instance_infos=[v3.UpgradeDatabasesSingleInstance(current_version="2.0.48.231200", instance_id=ORDERS)]
            )
        )
    )
    assert check.upgrade_precheck_result == "true"
    with pytest.raises(exceptions.ClientRequestException) as e:
        signed_with("not-the-secret-key").list_gauss_my_sql_instances(v3.ListGaussMySqlInstancesRequest())
    assert (e.value.status_code, e.value.error_code) == (401, "APIGW.0301")
    assert "verify aksk signature fail" in e.value.error_msg


SHORT_SM2_KEYS = """
name: sm2-short-coordinates
seed: 1
taurusdb:
  credentials:
    access_keys:
      # The SM2 public keys these derive have an x (the first) or a y (the second) that starts
      # with a zero byte: the SDK's ZA writes it in 31 bytes, not 32.
      - {ak: SM2ZEROKEY0000000000, sk: sm2-secret-69}
      - {ak: SM2ZEROKEY0000000001, sk: sm2-secret-26}
  projects:
    - id: 054e292c9880d4992f02c0196d3ea468
      instances: [{id: 6754902da1f447269c6979b0590102a5in07}]
"""


@pytest.mark.upgrade_sim(scenario=SHORT_SM2_KEYS)
@pytest.mark.parametrize("ak,sk", [("SM2ZEROKEY0000000000", "sm2-secret-69"), ("SM2ZEROKEY0000000001", "sm2-secret-26")])
def test_sm2_keys_whose_public_key_starts_with_a_zero_byte_verify_as_the_sdk_hashes_za(sdk, sim, ak, sk):
    credentials, _, v3 = sdk
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm
    from huaweicloudsdkcore.signer.signer import SM2SM3Signer

    x, y = SM2SM3Signer(credentials.BasicCredentials(ak, sk)).get_signing_key()._public_key
    assert min(x, y) < 1 << 248
    config = HttpConfig.get_default_config()
    config.signing_algorithm = SigningAlgorithm.SM2_SM3
    c = (
        v3.GaussDBClient.new_builder()
        .with_http_config(config)
        .with_credentials(credentials.BasicCredentials(ak, sk, PROJECT))
        .with_endpoint(sim.url)
        .build()
    )
    for _ in range(3):
        assert [i.id for i in c.list_gauss_my_sql_instances(v3.ListGaussMySqlInstancesRequest()).instances] == [ORDERS]
