// Written by Migrations/known: the migrations this build is made with. Do not edit.
public enum KnownMigrations {
    public static let checksums: [String: String] = [
        "0001_initial": "1711fe3d063fa9aeefb95bd742439e3eef7abd466a2ddef520002b21fd458ba0",
        "0002_admin": "59ee8497c97f87097b68cb5c189d6f9d2906d6dbb8de92fd79f4885372f12722",
        "0003_letters": "55301d5714acbdd99c394f181cd6b83690f613c28f06fad0040cca661b559439",
        "0004_campaigns": "01e7d37fe2aadc0f0f61a8d596d5083e7d4fbae748b10db6aa2320da84769c57",
        "0005_resources": "6bf48b266507b3042b08c867e71c0f21162fbed92c4112c0e30c236c21dfd65f",
        "0006_french": "3c7f4d445d6981adef027edcab9fcf9c2eee4db90c5ca25b4a5b33d086f8d6ba",
        "0007_letter_recipient_fr": "35e2fdc687790d77afb92faccbda6926779f91f759ad3e3f8264c5d07b448fed",
        "0008_mail": "906afcec7c2490b0fd34d7c222f8bd32f3dd3af3a57f35009f7dbcceb6eefde7",
        "0009_mailings": "8eb9cd2c9f33392a96373f4a1b3a4dbb873c136f51c0922d9c72c79064dd78b0",
        "0010_media": "c738c285efe6ca604b4842f0cd6c0a3e8ba762e559c68eacce2abc7aa9707ebe",
        "0011_pages": "7eb0b0fe79859235f0bc2bac673e1c43784a5702ff58f6e46aff23fe9efe0f3e",
        "0012_site_settings": "d0ddb98f33476a815a4b93b48e537d3247a4dd50a3144e20c533e8470147f64e",
        "0013_housekeeping_indexes": "925813bf73a3f167f66b5da261cae81c8defe8ef53cba250b74f092fc158bd55",
        "0014_checks_without_lists": "9de3c571f7e8073474a58ee6df4c92e6e284f2dea5393d1d9b3c62fac59b4458",
        "0015_mail_relay_and_bounces": "3c645aaa661c52551faa484fb75243bc374ea8dddeb68807d771a7205b5ef1f6",
        "0016_postal_address": "64f8fa73ba09b30a102a828c2d26a339fa3ffcc3b1128aacb7d92ba6ce78147b",
        "0017_rsvp_requests": "45431c11cb00c751edf908b05fa90a0ba9a25a665ebd9b9862380a89d2475384",
        "0018_subscriber_source": "091b7f472d6704361f65c3836c20150ce101e0263f035f44aafac0bbcb42ff43",
        "0019_staff_second_factor": "c642c2891fe4900bd0397b3462fd31de97e53106db643d98eba4840496f3ad93",
        "0020_shared_rate_limits": "f6fb226d3fea063e3d5ad2b2b412d3c27dee089d8a52a26cab0f45fdb03fd54d",
        "0021_one_list": "a6fb24966b33124389b91f66799351a2779f3773d2c9364fe829fca251c89550",
        "postgres/0019_schema": "a72bfe6db8f64bf0f9a18554dae1f55460fb33d825303d9fb235b6c96ad92a22",
        "postgres/0020_shared_rate_limits": "edcb9c93e0ad8cb91e229093ffd0c81e9f0e0b3c7136cd9fe2ac3b21daeb1596",
        "postgres/0021_one_list": "a6fb24966b33124389b91f66799351a2779f3773d2c9364fe829fca251c89550",
    ]
}
