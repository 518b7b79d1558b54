"""The governed HTTP test matrix again, with every agency reached over its own API (real processes).

The tests are tests/http's own, imported: the sharing matrix cell by cell for every role and purpose, the
existence rule, the people filters and the README's use cases. Here ``governed`` is the hub over HTTP
connectors (conftest.py) while what they check it against (``truth``, ``tables``, ``seeded``) reads the
agencies' databases, so each passes only if the HTTP connectors give the hub exactly what SQL would.
test_same_answers.py compares the two hubs' answers and audit records directly.
"""

from tests.http.test_existence import (  # noqa: F401
    down,
    test_consent_does_not_disclose_that_treatment_holds_a_record,
    test_existence_is_audited_where_it_was_disclosed,
    test_existence_is_not_disclosed_where_nothing_of_the_record_is,
)
from tests.http.test_people_filters import (  # noqa: F401
    tables,
    test_any_of_is_the_union_within_the_other_criteria,
    test_licence_conditions_in_force_on_a_day,
    test_offence_types_are_the_current_orders_offence_groups,
    test_open_referral_pathways,
    test_police_filter_their_own_cohort_only,
    test_release_types_are_the_latest_releases_type,
)
from tests.http.test_sharing_matrix import test_every_cell_for_every_role_and_purpose  # noqa: F401
from tests.http.use_cases.test_cohort_scoping import (  # noqa: F401
    test_iom_scoping_by_ogrs_band_and_offence,
    test_the_city_of_london_review_in_one_query,
)
from tests.http.use_cases.test_daily_intelligence import (  # noqa: F401
    test_overnight_arrests_of_my_caseload,
    test_police_see_probation_status_but_not_the_risk_assessment,
)
from tests.http.use_cases.test_early_release import test_housing_sees_the_releases_of_its_people  # noqa: F401
from tests.http.use_cases.test_housing import test_duty_to_refer_cases_at_a_duty_stage  # noqa: F401
from tests.http.use_cases.test_iom_case_review import test_one_view_of_a_cohort_member_for_the_panel  # noqa: F401
from tests.http.use_cases.test_mappa_review import test_police_data_comes_with_every_case_on_the_list  # noqa: F401
from tests.http.use_cases.test_partnership_performance import (  # noqa: F401
    test_the_board_gets_each_outcome_with_small_cells_suppressed,
)
