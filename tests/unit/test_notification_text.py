from web.notifications.text import describe


def test_the_owner_is_addressed_as_you():
    assert describe(kind="owner", verb="created", actor_name="bob", target_type="graph",
                    target_name="Kinase map") == "You created graph “Kinase map”."


def test_a_share_names_the_actor_and_the_group():
    assert describe(kind="group", verb="shared", actor_name="bob", target_type="graph",
                    target_name="Kinase map", group_name="Lab") == "bob shared graph “Kinase map” with “Lab”."


def test_text_is_plain_and_left_for_the_page_to_escape():
    assert describe(kind="owner", verb="created", actor_name="x", target_type="graph",
                    target_name="<script>") == "You created graph “<script>”."
