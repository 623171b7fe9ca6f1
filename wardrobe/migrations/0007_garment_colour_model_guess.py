from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("wardrobe", "0006_garment_suggested_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="garment",
            name="colour_model_guess",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
