from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("wardrobe", "0005_garment_cutout"),
    ]

    operations = [
        migrations.AddField(
            model_name="garment",
            name="suggested_fields",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="garment",
            name="tag_offers",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="garment",
            name="tags_suggested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
